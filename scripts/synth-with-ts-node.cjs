// The benchmark's baseline: the same main.ts synthesized through ts-node with full type-checking,
// as a stock cdktf TypeScript project runs it. Not used by the build itself.
// ts-node needs CommonJS for this project's ESM-typed sources and its resolver for `.ts` import paths.
require("ts-node").register({
  transpileOnly: false,
  experimentalResolver: true,
  moduleTypes: { "**/*": "cjs" },
  compilerOptions: {
    module: "commonjs",
    moduleResolution: "node10",
    esModuleInterop: true,
    verbatimModuleSyntax: false,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    noEmit: false,
  },
});
process.chdir(require("node:path").resolve(__dirname, ".."));
require(require("node:path").resolve("main.ts"));
