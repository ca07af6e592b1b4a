// Streams one run with the official openai Node SDK and prints, as one line of JSON, what a UI built from
// its events sees: text deltas with their annotations, tool-call events, the run's end.
// Usage: node stream_run.mjs BASE_URL THREAD_ID ASSISTANT_ID
import OpenAI from "openai";

const [baseURL, threadId, assistantId] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "not-a-secret", maxRetries: 0, timeout: 30_000 });
const seen = { text: "", shown: "", annotations: [], toolCalls: [], arguments: {} };

const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
stream.on("textDelta", (delta) => {
  // as the assistants quickstart does: append the text, then point each annotation's text at the file
  seen.text += delta.value ?? "";
  seen.shown += delta.value ?? "";
  for (const annotation of delta.annotations ?? []) {
    seen.annotations.push(annotation);
    const target = annotation.type === "file_path" ? annotation.file_path : annotation.file_citation;
    seen.shown = seen.shown.replaceAll(annotation.text, `/api/files/${target.file_id}`);
  }
});
stream.on("toolCallCreated", (call) => {
  seen.toolCalls.push(["created", call.type]);
  if (call.type === "function") seen.arguments[call.id] = [call.function.arguments];
});
stream.on("toolCallDelta", (delta, snapshot) => {
  seen.toolCalls.push(["delta", delta.type]);
  if (delta.type === "function") seen.arguments[snapshot.id].push(delta.function?.arguments ?? "");
});

const run = await stream.finalRun();
seen.status = run.status;
seen.required = run.required_action?.submit_tool_outputs.tool_calls ?? [];
console.log(JSON.stringify(seen));
