/**
 * Stand-in for the shadcn/ui component registry (ui.shadcn.com/r) as the `shadcn mcp` server reads
 * it. The CLI takes the registry's address from the environment variable REGISTRY_URL (default
 * https://ui.shadcn.com/r; @shadcn/registry's constants) and fetches, for the built-in `@shadcn`
 * registry, `${REGISTRY_URL}/styles/{style}/{name}.json`: `registry.json` (the index, for list,
 * search and examples; it ignores the `q`/`limit` query and filters itself when the answer has no
 * `pagination`, as with the real static files) and one JSON per item (view, examples).
 *
 * The real registry is not reachable from here and ships with no npm package, so the items are
 * written by hand to the registry schema of @shadcn/registry 0.2.1 (registrySchema,
 * registryItemSchema: name, type, title, description, dependencies, registryDependencies, files with
 * path/type/content): a few of the real registry's components, their demos and the utils lib, with
 * shortened but working sources.
 *
 * The server also needs a project: a components.json in its working directory (without one every
 * tool but get_project_registries answers "no registries"); its catalog entry
 * (src/catalog/servers/shadcn.ts, SHADCN_PROJECT_FILES) writes one there. Note that the tools only consult `@shadcn` when asked by name
 * (`registries: ["@shadcn"]`): called without `registries` they search the project's own
 * registries, and built-in ones are left out of that list by design.
 */
import type { StandInApi, StandInRequest, StandInResponse } from "../api.js";

/** A `:name` segment of the route (always there when the route matched). */
function param(req: StandInRequest, name: string): string {
  return req.params[name] ?? "";
}

/** The style the CLI asks for when components.json does not pin one (@shadcn/registry constants). */
export const SHADCN_STYLE = "new-york-v4";

interface RegistryFile {
  path: string;
  type: string;
  content: string;
  target?: string;
}

interface RegistryItem {
  name: string;
  type: string;
  title?: string;
  description?: string;
  dependencies?: string[];
  registryDependencies?: string[];
  files: RegistryFile[];
  categories?: string[];
}

const UTILS = `import { clsx, type ClassValue } from "clsx"
import { twMerge } from "tailwind-merge"

export function cn(...inputs: ClassValue[]) {
  return twMerge(clsx(inputs))
}
`;

const BUTTON = `import * as React from "react"
import { Slot } from "@radix-ui/react-slot"
import { cva, type VariantProps } from "class-variance-authority"

import { cn } from "@/lib/utils"

const buttonVariants = cva(
  "inline-flex items-center justify-center gap-2 whitespace-nowrap rounded-md text-sm font-medium transition-all disabled:pointer-events-none disabled:opacity-50 outline-none focus-visible:ring-[3px]",
  {
    variants: {
      variant: {
        default: "bg-primary text-primary-foreground shadow-xs hover:bg-primary/90",
        destructive: "bg-destructive text-white shadow-xs hover:bg-destructive/90",
        outline: "border bg-background shadow-xs hover:bg-accent hover:text-accent-foreground",
        secondary: "bg-secondary text-secondary-foreground shadow-xs hover:bg-secondary/80",
        ghost: "hover:bg-accent hover:text-accent-foreground",
        link: "text-primary underline-offset-4 hover:underline",
      },
      size: {
        default: "h-9 px-4 py-2 has-[>svg]:px-3",
        sm: "h-8 rounded-md gap-1.5 px-3 has-[>svg]:px-2.5",
        lg: "h-10 rounded-md px-6 has-[>svg]:px-4",
        icon: "size-9",
      },
    },
    defaultVariants: { variant: "default", size: "default" },
  }
)

function Button({
  className,
  variant,
  size,
  asChild = false,
  ...props
}: React.ComponentProps<"button"> &
  VariantProps<typeof buttonVariants> & { asChild?: boolean }) {
  const Comp = asChild ? Slot : "button"
  return (
    <Comp
      data-slot="button"
      className={cn(buttonVariants({ variant, size, className }))}
      {...props}
    />
  )
}

export { Button, buttonVariants }
`;

const CARD = `import * as React from "react"

import { cn } from "@/lib/utils"

function Card({ className, ...props }: React.ComponentProps<"div">) {
  return (
    <div
      data-slot="card"
      className={cn("bg-card text-card-foreground flex flex-col gap-6 rounded-xl border py-6 shadow-sm", className)}
      {...props}
    />
  )
}

function CardHeader({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card-header" className={cn("grid auto-rows-min items-start gap-1.5 px-6", className)} {...props} />
}

function CardTitle({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card-title" className={cn("leading-none font-semibold", className)} {...props} />
}

function CardDescription({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card-description" className={cn("text-muted-foreground text-sm", className)} {...props} />
}

function CardContent({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card-content" className={cn("px-6", className)} {...props} />
}

function CardFooter({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card-footer" className={cn("flex items-center px-6", className)} {...props} />
}

export { Card, CardHeader, CardFooter, CardTitle, CardDescription, CardContent }
`;

const INPUT = `import * as React from "react"

import { cn } from "@/lib/utils"

function Input({ className, type, ...props }: React.ComponentProps<"input">) {
  return (
    <input
      type={type}
      data-slot="input"
      className={cn(
        "border-input h-9 w-full min-w-0 rounded-md border bg-transparent px-3 py-1 text-base shadow-xs outline-none md:text-sm",
        className
      )}
      {...props}
    />
  )
}

export { Input }
`;

const BADGE = `import * as React from "react"
import { cva, type VariantProps } from "class-variance-authority"

import { cn } from "@/lib/utils"

const badgeVariants = cva(
  "inline-flex items-center justify-center rounded-md border px-2 py-0.5 text-xs font-medium w-fit whitespace-nowrap shrink-0",
  {
    variants: {
      variant: {
        default: "border-transparent bg-primary text-primary-foreground",
        secondary: "border-transparent bg-secondary text-secondary-foreground",
        destructive: "border-transparent bg-destructive text-white",
        outline: "text-foreground",
      },
    },
    defaultVariants: { variant: "default" },
  }
)

function Badge({ className, variant, ...props }: React.ComponentProps<"span"> & VariantProps<typeof badgeVariants>) {
  return <span data-slot="badge" className={cn(badgeVariants({ variant }), className)} {...props} />
}

export { Badge, badgeVariants }
`;

const BUTTON_DEMO = `import { Button } from "@/components/ui/button"

export default function ButtonDemo() {
  return (
    <div className="flex flex-wrap items-center gap-2 md:flex-row">
      <Button>Button</Button>
      <Button variant="outline">Outline</Button>
      <Button variant="ghost">Ghost</Button>
    </div>
  )
}
`;

const CARD_DEMO = `import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card"
import { Input } from "@/components/ui/input"

export default function CardDemo() {
  return (
    <Card className="w-full max-w-sm">
      <CardHeader>
        <CardTitle>Login to your account</CardTitle>
        <CardDescription>Enter your email below to login to your account</CardDescription>
      </CardHeader>
      <CardContent>
        <Input id="email" type="email" placeholder="m@example.com" required />
      </CardContent>
      <CardFooter>
        <Button type="submit" className="w-full">Login</Button>
      </CardFooter>
    </Card>
  )
}
`;

const ui = (name: string, title: string, description: string, content: string, dependencies?: string[]): RegistryItem => ({
  name,
  type: "registry:ui",
  title,
  description,
  ...(dependencies ? { dependencies } : {}),
  registryDependencies: ["utils"],
  files: [{ path: `registry/new-york-v4/ui/${name}.tsx`, type: "registry:ui", content }],
});

const example = (name: string, title: string, uses: string[], content: string): RegistryItem => ({
  name,
  type: "registry:example",
  title,
  description: `Usage example of ${uses.join(" and ")}.`,
  registryDependencies: uses,
  files: [{ path: `registry/new-york-v4/examples/${name}.tsx`, type: "registry:example", content }],
});

const ITEMS: RegistryItem[] = [
  {
    name: "utils",
    type: "registry:lib",
    title: "Utils",
    description: "The cn() helper that merges Tailwind class names.",
    dependencies: ["clsx", "tailwind-merge"],
    files: [{ path: "registry/new-york-v4/lib/utils.ts", type: "registry:lib", content: UTILS }],
  },
  ui("button", "Button", "Displays a button or a component that looks like a button.", BUTTON, ["@radix-ui/react-slot", "class-variance-authority"]),
  ui("card", "Card", "Displays a card with header, content, and footer.", CARD),
  ui("input", "Input", "Displays a form input field or a component that looks like an input field.", INPUT),
  ui("badge", "Badge", "Displays a badge or a component that looks like a badge.", BADGE, ["class-variance-authority"]),
  example("button-demo", "Button Demo", ["button"], BUTTON_DEMO),
  example("card-demo", "Card Demo", ["card", "button", "input"], CARD_DEMO),
];

const BY_NAME = new Map(ITEMS.map((item) => [item.name, item]));

/** The index lists every item without file contents, as the real registry.json does. */
function registryIndex(): unknown {
  return {
    $schema: "https://ui.shadcn.com/schema/registry.json",
    name: "shadcn",
    homepage: "https://ui.shadcn.com",
    items: ITEMS.map(({ files, ...item }) => ({ ...item, files: files.map(({ content: _content, ...file }) => file) })),
  };
}

function item(req: StandInRequest): StandInResponse {
  const file = param(req, "file");
  if (file === "registry.json") return { body: registryIndex() };
  const found = file.endsWith(".json") ? BY_NAME.get(file.slice(0, -".json".length)) : undefined;
  // The real registry is static files behind a CDN: an unknown item is a plain 404.
  if (!found) return { status: 404, headers: { "content-type": "text/plain" }, body: "Not Found" };
  return { body: { $schema: "https://ui.shadcn.com/schema/registry-item.json", ...found } };
}

export const api: StandInApi = {
  name: "shadcn",
  title: "shadcn/ui registry",
  payloads:
    "hand-written items (button, card, input, badge, utils, two demos) following the registry schema of @shadcn/registry 0.2.1 (shadcn 4.23.0); ui.shadcn.com/r is not packaged",
  basePath: "/r",
  routes: [
    { method: "GET", path: "/styles/:style/:file", respond: item },
    // The older flat index and style list, which other shadcn commands read.
    { method: "GET", path: "/index.json", respond: () => ({ body: (registryIndex() as { items: unknown[] }).items }) },
    { method: "GET", path: "/styles/index.json", respond: () => ({ body: [{ name: SHADCN_STYLE, label: "New York" }] }) },
  ],
};
