import type { ComponentChildren } from "preact";
import { NONE } from "../format";

/** Label–value pairs as a description list; a missing value shows as —. */
export function Facts({ facts }: { facts: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? NONE}</dd>
        </div>
      ))}
    </dl>
  );
}
