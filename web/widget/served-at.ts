/**
 * Where the widget is served, on AWS and locally: under the API's `/v1/`, so a site embeds one address and the
 * widget finds the API beside itself. On AWS CloudFront sends this one path to the site's bucket, not the API.
 */
export const WIDGET_PATH = "/v1/widget.js";
/** How long browsers and CloudFront keep it: host pages do not revalidate on every view, and a deploy shows soon. */
export const WIDGET_MAX_AGE_SECONDS = 300;
