import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { appLoginUrl } from '../wristband-urls.js';
import { rawResponse } from '../http/http-exchange.js';
import { WRISTBAND_ERROR_STATUS } from './wristband-error-status.js';
import {
  AuthenticationRequiredError,
  LoginRestartError,
  WristbandError,
} from './wristband.errors.js';

/**
 * Answers every `WristbandError`: JSON `{statusCode, error, reason, message}` with the code's status,
 * `WWW-Authenticate` on 401s, or, for a login that can be restarted, one redirect back to the login.
 * Messages never contain tokens or secrets.
 */
@Catch(WristbandError)
export class WristbandExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Wristband');

  constructor(@InjectWristbandOptions() private readonly options: ResolvedWristbandOptions) {}

  catch(error: WristbandError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const res = rawResponse(host);
    if (res.headersSent) return;

    if (error instanceof LoginRestartError && !error.alreadyRestarted) {
      res.statusCode = 302;
      res.setHeader(
        'location',
        appLoginUrl(this.options, error.tenantName, error.tenantCustomDomain, true),
      );
      res.setHeader('cache-control', 'no-store');
      res.end();
      return;
    }

    const status = error instanceof LoginRestartError ? 400 : WRISTBAND_ERROR_STATUS[error.code];
    if (status >= 500) this.logger.warn(`${error.code}: ${error.message}`);
    if (status === 401) res.setHeader('www-authenticate', wwwAuthenticate(error));
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(
      JSON.stringify({
        statusCode: status,
        error: STATUS_CODES[status],
        reason: error instanceof LoginRestartError ? 'login_failed' : error.code,
        message:
          error instanceof LoginRestartError
            ? `Login failed again (${error.code}); start a new login`
            : error.message,
      }),
    );
  }
}

function wwwAuthenticate(error: WristbandError): string {
  if (error.code === 'invalid_token') {
    return `Bearer realm="wristband", error="invalid_token", error_description="${error.message.replace(/["\\]/g, '')}"`;
  }
  // RFC 6750 §3: no error attribute when the request carried no bearer token at all.
  return error instanceof AuthenticationRequiredError && error.scheme === 'bearer'
    ? 'Bearer realm="wristband"'
    : 'Session realm="wristband"';
}
