// graphql-codegen configuration: TypeScript types generated from the
// committed schema, for the operations in this folder and for each example
// in docs/examples. .ci/client-check sets the COULISSES_* paths to check
// another schema or to run from a copy of this folder; the defaults serve
// `npm run check` run here.
import { existsSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { CodegenConfig } from "@graphql-codegen/cli";

const schema = process.env.COULISSES_SCHEMA ?? "../../schema.graphql";
const operations = process.env.COULISSES_OPERATIONS ?? "./*.graphql";
const examplesDir = resolve(process.env.COULISSES_EXAMPLES_DIR ?? "../../docs/examples");

// Custom scalars are mapped explicitly (DateTime is an RFC 3339 string, IDs
// are opaque strings): a new scalar fails the run instead of silently
// becoming `any`. Enums become unions of string literals.
const config = {
  strictScalars: true,
  scalars: { DateTime: "string", ID: "string" },
  enumType: "string-literal",
  enumsAsTypes: true,
};

// Each example is a document of its own, as pasted into GraphiQL: it may
// hold one anonymous operation, and reuse an operation name used elsewhere.
// The folder may be empty or absent.
const examples: Record<string, { documents: string; plugins: string[]; config: typeof config }> = {};
if (existsSync(examplesDir)) {
  for (const file of readdirSync(examplesDir).filter((f) => f.endsWith(".graphql")).sort()) {
    examples[`src/generated/examples/${basename(file, ".graphql")}.ts`] = {
      documents: join(examplesDir, file),
      plugins: ["typescript-operations"],
      config,
    };
  }
}

const codegen: CodegenConfig = {
  schema,
  // A document with no operation in it (only comments, say) is no error.
  ignoreNoDocuments: true,
  generates: {
    // Every schema type (ErrorCode, UserError, inputs, ...).
    "src/generated/schema.ts": { plugins: ["typescript"], config },
    // One result and one variables type per operation, self-contained.
    // With the operations of src/live.ts (graphql-ws sends its text).
    "src/generated/operations.ts": {
      documents: [operations, "./src/live.ts"],
      plugins: ["typescript-operations"],
      config,
    },
    ...examples,
  },
};

export default codegen;
