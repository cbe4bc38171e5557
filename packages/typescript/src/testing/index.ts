// "./testing": what an application's tests need from the contracts, for test
// code only (nothing here is loaded by ".", "./validate" or a production
// bundle that does not import it): deterministic examples with typed
// overrides, and a fake contracts WebSocket server. Both are portable (no
// native addon, no `node:` import) and need nothing but this package; the
// fast-check arbitraries live in "./testing/arbitraries", so that importing
// "./testing" never requires the optional peer dependency fast-check.
export {
  exampleDto,
  exampleEnum,
  exampleEnvelope,
  exampleVersions,
} from "./examples.js";
export type {
  CurrentVersion,
  DeepPartial,
  DtoName,
  DtoTypes,
  EnumName,
  EnumTypes,
  EnvelopeOverrides,
  EventTypeName,
  ExampleDto,
  ExampleDtoOverrides,
  ExampleEnvelope,
  ExampleEnvelopeOverrides,
  ExampleOptions,
  Loose,
  ReleasedEnvelope,
  ReleasedEnvelopeOverrides,
} from "./examples.js";
export * from "./fake-socket.js";
