/**
 * A client created on first use and reused for the life of the container. Endpoints are never
 * set here: locally the SDK's own service-specific variables (AWS_ENDPOINT_URL_DYNAMODB, _SQS,
 * _EVENTBRIDGE) point them at the stand-ins, so this code is identical on AWS and on a laptop.
 * One module per client, so a function's bundle imports only the SDK packages it uses.
 */
export const once = <T>(create: () => T) => {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
};
