/** A zod schema as a committed JSON Schema file (draft 2020-12): generated, so the two never drift. */
import { z } from "zod";

export interface JsonSchemaFile {
  /** "input" for what a person writes (defaults optional), "output" for what the harness writes. */
  io: "input" | "output";
  id: string;
  title: string;
  description: string;
}

/** The file's text: the schema with its id, title and description, two-space indented, one final newline. */
export function jsonSchemaText(schema: z.ZodType, file: JsonSchemaFile): string {
  const generated = z.toJSONSchema(schema, { io: file.io, target: "draft-2020-12", ...(file.io === "input" && { unrepresentable: "any" as const }) }) as Record<
    string,
    unknown
  >;
  return `${JSON.stringify({ ...generated, $id: file.id, title: file.title, description: file.description }, null, 2)}\n`;
}
