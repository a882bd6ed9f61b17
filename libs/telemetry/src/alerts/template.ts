/**
 * The one construct rule texts use: `{{ $labels.<name> }}`. Prometheus expands it with Go's
 * text/template (an absent label gives ""); the dashboard expands it here, the same way.
 */
const LABEL_REFERENCE = /\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export function expandTemplate(text: string, labels: Readonly<Record<string, string>>): string {
  return text.replace(LABEL_REFERENCE, (_match, name: string) => labels[name] ?? '');
}

/** The label names a text refers to. */
export function templateLabels(text: string): string[] {
  return [...text.matchAll(LABEL_REFERENCE)].map((match) => match[1] as string);
}

/** True when the text has `{{` other than label references (Prometheus would read it as Go template code). */
export function hasOtherTemplateCode(text: string): boolean {
  return text.replace(LABEL_REFERENCE, '').includes('{{');
}
