/** A fallback's arguments from the call the agent meant: `{{args.<name>}}` is that call's argument. */
import { ARG_REF } from "./schema.js";

const WHOLE = /^\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}$/;

export function mapArguments(template: unknown, args: Record<string, unknown>): unknown {
  if (typeof template === "string") {
    // The whole string is one reference: the value as it is (a number stays a number).
    const whole = WHOLE.exec(template);
    if (whole) return args[whole[1]!];
    return template.replace(ARG_REF, (_, name: string) => {
      const v = args[name];
      return typeof v === "string" ? v : JSON.stringify(v ?? null);
    });
  }
  if (Array.isArray(template)) return template.map((t) => mapArguments(t, args));
  if (template !== null && typeof template === "object") return Object.fromEntries(Object.entries(template).map(([k, t]) => [k, mapArguments(t, args)]));
  return template;
}
