export function renderMarkdown(){return ""}
