import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** The first page is focused where the browser puts it; after that each navigation moves focus to the new heading. */
let navigated = false;

/** One page: the document title and the `<h1>`, which takes focus after a navigation so screen readers announce it. */
export function Page({
  title,
  heading,
  children,
}: {
  title: string;
  heading?: ComponentChildren;
  children: ComponentChildren;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · cxloop`;
    if (navigated) headingRef.current?.focus();
    navigated = true;
  }, [title]);
  return (
    <>
      <h1 tabIndex={-1} ref={headingRef}>
        {heading ?? title}
      </h1>
      {children}
    </>
  );
}

/**
 * A titled part of a page. Deliberately not named by aria-labelledby: a named section becomes a
 * region that label queries match ("Notes" would shadow the textbox labelled "Note").
 */
export function Section({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="section">
      <div class="section-header">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
