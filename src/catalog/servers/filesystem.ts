/** Catalog entry "filesystem" (src/catalog/servers.ts). The reference filesystem server (npm), confined to the run's sandbox directory. */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const filesystemServer: ServerDefinition = {
  name: "filesystem",
  probe: { tool: "list_allowed_directories", args: {} },
  title: "Filesystem, confined to a sandbox directory",
  package: "@modelcontextprotocol/server-filesystem",
  command: "node",
  args: ["{{bin}}", "{{sandbox}}"],
  env: {},
  needs: [],
  transport: "stdio",
  tools: [
    "read_file",
    "read_text_file",
    "read_multiple_files",
    "write_file",
    "edit_file",
    "create_directory",
    "list_directory",
    "list_directory_with_sizes",
    "directory_tree",
    "move_file",
    "search_files",
    "get_file_info",
    "list_allowed_directories",
  ],
};
