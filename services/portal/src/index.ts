export { createPortalService, type PortalService, type PortalServiceDeps } from './service';
export { letheApi, type LetheApi } from './api/lethe-api';
export { smtpMailer, type Mailer } from './mail/mailer';
export { loadPortalConfig, type PortalConfig } from './config';
export { portalSecrets } from './secrets';
export { textHashOf } from './http/dashboard-routes';
