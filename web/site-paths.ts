/**
 * Which request paths are the console's files: the root's own (`/app.js`, `/config.json`). Every other
 * path is one of the app's routes (`/cases/case-order.1042`: ids may hold a dot) and gets index.html.
 * CloudFront's function on AWS and the local runtime both decide with this pattern.
 */
export const SITE_FILE = /^\/[^/]+\.[^/]+$/;
export const sitePathFor = (path: string) => (SITE_FILE.test(path) ? path : "/index.html");
