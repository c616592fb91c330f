/**
 * The cluster's ordered publisher against a real `nats-server`: what is
 * posted while the link is down keeps its place in the stream.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { OrderedPublisher } from "../server/cluster/publisher.ts";
import { NatsServer, testWithNats } from "./_nats.ts";
import { within } from "./_test_utils.ts";

testWithNats(
  "Messages posted while the link to NATS is down are stored in order, before those posted after it is back",
  async () => {
    await using nats = await NatsServer.start();
    const nc = await connect({
      servers: nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: "T", subjects: ["t"] });
      const publisher = new OrderedPublisher(jetstream(nc), 60_000);
      // The link's changes reach the publisher as they reach the cluster's server.
      let changed = Promise.withResolvers<string>();
      (async () => {
        for await (const status of nc.status()) {
          if (status.type === "disconnect") publisher.lost();
          if (status.type === "reconnect") publisher.back();
          changed.resolve(status.type);
        }
      })();
      const until = async (type: string) => {
        while (await within(changed.promise, 10_000, `the link's ${type}`) !== type) {
          changed = Promise.withResolvers<string>();
        }
        changed = Promise.withResolvers<string>();
      };
      const post = (text: string) => publisher.publish("t", text, text, true);

      await post("before");
      await nats.kill();
      await until("disconnect");
      const during = ["down 1", "down 2", "down 3"].map(post);
      await nats.restart();
      await until("reconnect");
      const after = post("after");
      await within(Promise.all([...during, after]), 20_000, "every message acknowledged");

      const consumer = await jetstream(nc).consumers.get("T");
      const stored: string[] = [];
      for (let seq = 1; seq <= 5; seq++) {
        const message = await consumer.next({ expires: 5_000 });
        assert.ok(message !== null, `message ${seq} of the stream`);
        stored.push(message.string());
      }
      assert.deepEqual(stored, ["before", "down 1", "down 2", "down 3", "after"]);
      assert.equal((await (await jetstreamManager(nc)).streams.info("T")).state.messages, 5);
      publisher.close();
    } finally {
      await nc.close();
    }
  },
);
