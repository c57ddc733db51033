// A floor service process (forked by the bench): one consumer group of the Kafka floor in a process of
// its own, as each real service runs in its own process. Driven over IPC: start, requests, stop.
import { Kafka, logLevel } from "kafkajs";
import { type FloorStage, startFloorStage } from "./kafka-stage.ts";
import { fromWire, type WireReaction } from "./wire.ts";

export interface StartKafkaService {
  type: "start";
  brokers: string[];
  clientId: string;
  topic: string;
  groupId: string;
  partitions: number;
  reactions: WireReaction[];
}

let stage: FloorStage | undefined;
const reply = (message: object) => process.send!(message);

process.on("message", (message: StartKafkaService | { type: "requests" | "stop" }) => {
  void (async () => {
    try {
      if (message.type === "start") {
        const kafka = new Kafka({
          brokers: message.brokers,
          clientId: message.clientId,
          logLevel: logLevel.ERROR,
        });
        stage = await startFloorStage({ kafka, ...message, reactions: fromWire(message.reactions) });
        reply({ type: "started" });
      } else if (message.type === "requests") {
        reply({ type: "requests", requests: stage?.requests() ?? {} });
      } else if (message.type === "stop") {
        await stage?.stop();
        reply({ type: "stopped" });
        process.exit(0);
      }
    } catch (error) {
      reply({ type: "error", error: (error as Error).stack ?? String(error) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
