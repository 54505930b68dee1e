/**
 * Forwards each generated token to a listener. It declares that it prefers streaming, so
 * LangChain drives the model's stream path (live tokens, provider-reported usage) rather
 * than a blocking call followed by a local token estimate that may try to download tables.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';

/** A LangChain callback handler for `agent.token` events. */
export class TokenForwarder extends BaseCallbackHandler {
  name = 'vigie-token-forwarder';
  readonly lc_prefer_streaming = true;

  constructor(private readonly onToken: (delta: string) => void) {
    super();
  }

  override handleLLMNewToken(token: string): void {
    if (token) this.onToken(token);
  }
}
