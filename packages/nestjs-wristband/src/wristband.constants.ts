/** Injection token of the validated options (`ResolvedWristbandOptions`). Use `@InjectWristbandOptions()`. */
export const WRISTBAND_OPTIONS = Symbol('WristbandOptions');
/** Metadata keys of the decorators. */
export const IS_PUBLIC_KEY = 'wristband:isPublic';
export const AUTH_STRATEGIES_KEY = 'wristband:authStrategies';
export const ROLES_KEY = 'wristband:roles';
export const TENANT_SCOPED_KEY = 'wristband:tenantScoped';
/**
 * Login-state cookies (named by `login.stateCookiePrefix`) live one hour, at most three at a time (one
 * per tab logging in).
 */
export const LOGIN_STATE_TTL_SECONDS = 3600;
export const MAX_LOGIN_STATES = 3;
/**
 * A login started without a tenant keeps its return URL in a cookie (`login.returnUrlCookieName`) while
 * Wristband's application login page asks for the tenant; ten minutes is plenty to type a tenant name.
 */
export const RETURN_URL_TTL_SECONDS = 600;
/** Default cookie names (options `session.cookieName`, `session.csrfCookieName`, `login.*`). */
export const SESSION_COOKIE_NAME = 'wb_session';
export const CSRF_COOKIE_NAME = 'CSRF-TOKEN';
export const LOGIN_STATE_COOKIE_PREFIX = 'wb_login_';
export const RETURN_URL_COOKIE_NAME = 'wb_return_url';
export const CSRF_HEADER_NAME = 'x-csrf-token';
