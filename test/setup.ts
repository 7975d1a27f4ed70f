import { Testing } from "cdktf";

// cdktf's matchers (toHaveResourceWithProperties, ...) register on the global `expect` vitest provides.
Testing.setupJest();
