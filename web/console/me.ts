import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Me } from "./api-types";

export const MeContext = createContext<Me | null>(null);

/** What the signed-in person's scopes let them do; the console hides the rest (the API refuses it anyway). */
export function useCapabilities() {
  const me = useContext(MeContext);
  const scopes = me?.scopes ?? [];
  const admin = scopes.includes("admin");
  return { workCases: admin || scopes.includes("agent"), admin };
}

export const describeRole = (me: Me) => me.role ?? (me.kind === "key" ? `key: ${me.scopes.join(", ")}` : "no role");
