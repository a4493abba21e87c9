/** `web/build.ts` loads the widget's stylesheet as its (minified) text, for a constructable stylesheet. */
declare module "*.css" {
  const text: string;
  export default text;
}
