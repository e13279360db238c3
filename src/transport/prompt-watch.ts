// Answers a prompt (sudo's unique -p string) that appears on a command's output,
// and strips the prompt so it never reaches the user or the logs.
// Shared by the local and ssh transports.

export interface PromptWatcher {
  /** Pass every output chunk through; returns it without the prompt text. */
  filter(chunk: Buffer): Buffer;
}

export function watchForPrompt(
  responder: { pattern: string; answer: () => Promise<string> },
  write: (text: string) => void,
): PromptWatcher {
  let tailText = '';
  return {
    filter(chunk: Buffer): Buffer {
      const text = tailText + chunk.toString('utf8');
      if (!text.includes(responder.pattern)) {
        // keep a tail in case the prompt is split across chunks
        tailText = text.slice(-responder.pattern.length);
        return chunk;
      }
      tailText = '';
      void responder.answer().then(
        (a) => write(a + '\n'),
        () => write('\n'),
      );
      return Buffer.from(chunk.toString('utf8').split(responder.pattern).join(''), 'utf8');
    },
  };
}
