// Recorded messages cross the IPC channel to floor processes as base64 text.
import type { Reaction, RecordedMessage } from "./kafka-stage.ts";

export interface WireMessage {
  type: string;
  value: string;
  headers: Record<string, string>;
}
export interface WireReaction {
  trigger: string;
  sends: WireMessage[][];
}

export const toWireMessage = (message: RecordedMessage): WireMessage => ({
  type: message.type,
  value: message.value.toString("base64"),
  headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, v.toString("base64")])),
});

export const fromWireMessage = (message: WireMessage): RecordedMessage => ({
  type: message.type,
  value: Buffer.from(message.value, "base64"),
  headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, Buffer.from(v, "base64")])),
});

export const toWire = (reactions: Reaction[]): WireReaction[] =>
  reactions.map((r) => ({ trigger: r.trigger, sends: r.sends.map((send) => send.map(toWireMessage)) }));

export const fromWire = (reactions: WireReaction[]): Reaction[] =>
  reactions.map((r) => ({ trigger: r.trigger, sends: r.sends.map((send) => send.map(fromWireMessage)) }));
