import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { appLoginUrl } from '../wristband-urls.js';
import { answerStarted, sendAnswer, sendRedirect } from '../http/http-exchange.js';
import { WristbandGraphQLError } from './wristband-graphql.error.js';
import { WRISTBAND_ERROR_STATUS } from './wristband-error-status.js';
import {
  AuthenticationRequiredError,
  LoginRestartError,
  SessionStoreUnavailableError,
  WristbandError,
} from './wristband.errors.js';

/**
 * Answers every `WristbandError`: JSON `{statusCode, error, reason, message}` with the code's status,
 * `WWW-Authenticate` on 401s, or, for a login that can be restarted, one redirect back to the login.
 * In a GraphQL resolver it returns the error GraphQL reports instead (`WristbandGraphQLError`: HTTP
 * 200, the field `null`, `extensions.code` and `extensions.reason`). Messages never contain tokens or secrets.
 */
@Catch(WristbandError)
export class WristbandExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Wristband');

  constructor(@InjectWristbandOptions() private readonly options: ResolvedWristbandOptions) {}

  catch(error: WristbandError, host: ArgumentsHost): WristbandGraphQLError | undefined {
    const type = host.getType<string>();
    if (type === 'graphql') {
      if (WRISTBAND_ERROR_STATUS[error.code] >= 500) this.logger.warn(logLine(error));
      return new WristbandGraphQLError(error);
    }
    if (type !== 'http') throw error;
    const response = host.getArgByIndex<unknown>(1);
    if (answerStarted(response)) return;

    if (error instanceof LoginRestartError && !error.alreadyRestarted) {
      sendRedirect(
        response,
        appLoginUrl(this.options, error.tenantName, error.tenantCustomDomain, true),
      );
      return;
    }

    const status = error instanceof LoginRestartError ? 400 : WRISTBAND_ERROR_STATUS[error.code];
    if (status >= 500) this.logger.warn(logLine(error));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    };
    if (status === 401) headers['www-authenticate'] = wwwAuthenticate(error);
    sendAnswer(
      response,
      status,
      headers,
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

/** The operator's line for a 5xx: the answer's message, plus what failed when only the log may say it. */
function logLine(error: WristbandError): string {
  const detail = error instanceof SessionStoreUnavailableError ? error.detail : undefined;
  return `${error.code}: ${error.message}${detail ? ` (${detail})` : ''}`;
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
