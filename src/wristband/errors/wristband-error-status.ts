import type { WristbandErrorCode } from './wristband.errors.js';

/** HTTP status of each error code: the single place where domain errors meet HTTP. */
export const WRISTBAND_ERROR_STATUS: Record<WristbandErrorCode, number> = {
  invalid_tenant_name: 400,
  invalid_tenant_custom_domain: 400,
  invalid_callback: 400,
  login_state_missing: 400,
  login_state_invalid: 400,
  state_mismatch: 400,
  login_required: 401,
  login_failed: 400,
  authorization_failed: 400,
  invalid_grant: 400,
  token_request_failed: 502,
  wristband_unavailable: 503,
  id_token_invalid: 401,
  userinfo_invalid: 502,
  tenant_mismatch: 403,
  session_required: 401,
  session_invalid: 401,
  session_expired: 401,
  session_store_unavailable: 503,
  session_too_large: 500,
  invalid_token: 401,
  csrf_failed: 403,
  insufficient_role: 403,
  unsupported_context: 500,
};
