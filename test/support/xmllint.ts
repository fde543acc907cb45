/**
 * Schema validation with a real validator: libxml2's xmllint (apt libxml2-utils, installed by
 * `bash scripts/setup.sh --for-tests`). A system tool rather than a WebAssembly build from npm: it is
 * libxml2 itself as distributions ship it, and it adds nothing to package-lock.json.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** jenkins-junit.xsd: the JUnit schema Jenkins and GitLab readers follow (see the README beside it). */
export const JUNIT_XSD = fileURLToPath(new URL("../fixtures/junit-schema/jenkins-junit.xsd", import.meta.url));

export interface Validation {
  valid: boolean;
  /** xmllint's messages, one problem a line (empty when valid). */
  errors: string;
}

/** Validates `xml` (a document's text) against an XSD; throws, saying how to install it, when xmllint is missing. */
export function validateXml(xml: string, xsd = JUNIT_XSD): Validation {
  // --nonet: the schema is local; nothing may be fetched.
  const r = spawnSync("xmllint", ["--noout", "--nonet", "--schema", xsd, "-"], { input: xml, encoding: "utf8", timeout: 60_000 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(missing ? "xmllint is not installed: `bash scripts/setup.sh --for-tests` installs it (apt libxml2-utils)" : `xmllint: ${r.error.message}`);
  }
  // 0: valid; 1: not well-formed; 3, 4: invalid against the schema; anything else (5: the schema
  // does not compile, a signal): the check itself failed, which must not read as "invalid".
  if (r.status === null || ![0, 1, 3, 4].includes(r.status)) throw new Error(`xmllint exited ${r.status ?? r.signal}: ${r.stderr}`);
  const errors = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "" && !/ validates$/.test(l))
    .join("\n");
  return { valid: r.status === 0, errors };
}
