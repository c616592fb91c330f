/**
 * The browser client's files, embedded in the program at build time so the
 * compiled binary serves them without the source tree. TypeScript modules
 * (the page's own and the shared ones it imports) are served as JavaScript
 * with their types stripped; URL paths mirror the repository layout, so the
 * page's relative imports resolve unchanged.
 *
 * @module
 */

import { stripTypeScriptTypes } from "node:module";
import indexHtml from "../web/index.html" with { type: "text" };
import styleCss from "../web/style.css" with { type: "text" };
import alertsTs from "../web/alerts.ts" with { type: "text" };
import attachmentTs from "../web/attachment.ts" with { type: "text" };
import appTs from "../web/app.ts" with { type: "text" };
import caretTs from "../web/caret.ts" with { type: "text" };
import clientTs from "../web/client.ts" with { type: "text" };
import composerTs from "../web/composer.ts" with { type: "text" };
import connectionTs from "../web/connection.ts" with { type: "text" };
import focusTs from "../web/focus.ts" with { type: "text" };
import incomingTs from "../web/incoming.ts" with { type: "text" };
import inputTs from "../web/input.ts" with { type: "text" };
import joiningTs from "../web/joining.ts" with { type: "text" };
import leaveGuardTs from "../web/leave_guard.ts" with { type: "text" };
import linksTs from "../web/links.ts" with { type: "text" };
import logTs from "../web/log.ts" with { type: "text" };
import logLineTs from "../web/log_line.ts" with { type: "text" };
import logsTs from "../web/logs.ts" with { type: "text" };
import messageBoxTs from "../web/message_box.ts" with { type: "text" };
import pageTs from "../web/page.ts" with { type: "text" };
import peopleTs from "../web/people.ts" with { type: "text" };
import presenceWebTs from "../web/presence.ts" with { type: "text" };
import quietAsksTs from "../web/quiet_asks.ts" with { type: "text" };
import reloadTs from "../web/reload.ts" with { type: "text" };
import renderTs from "../web/render.ts" with { type: "text" };
import sendingTs from "../web/sending.ts" with { type: "text" };
import sharingTs from "../web/sharing.ts" with { type: "text" };
import sidebarTs from "../web/sidebar.ts" with { type: "text" };
import statusTs from "../web/status.ts" with { type: "text" };
import uiTs from "../web/ui.ts" with { type: "text" };
import uploadTs from "../web/upload.ts" with { type: "text" };
import protocolTs from "../protocol.ts" with { type: "text" };
import protocolSpecsTs from "../protocol/_specs.ts" with { type: "text" };
import protocolFramesTs from "../protocol/frames.ts" with { type: "text" };
import protocolLimitsTs from "../protocol/limits.ts" with { type: "text" };
import protocolLinesTs from "../protocol/lines.ts" with { type: "text" };
import protocolParseClientTs from "../protocol/parse_client.ts" with { type: "text" };
import protocolParseServerTs from "../protocol/parse_server.ts" with { type: "text" };
import protocolReadTs from "../protocol/_read.ts" with { type: "text" };
import protocolVersion1Ts from "../protocol/version1.ts" with { type: "text" };
import sanitizeTs from "../core/sanitize.ts" with { type: "text" };
import paletteTs from "../core/palette.ts" with { type: "text" };
import commandsTs from "../core/commands.ts" with { type: "text" };
import commandKindsTs from "../core/command_kinds.ts" with { type: "text" };
import clientCommandsTs from "../core/client_commands.ts" with { type: "text" };
import operatorCommandsTs from "../core/operator_commands.ts" with { type: "text" };
import formatTs from "../core/format.ts" with { type: "text" };
import namesTs from "../core/names.ts" with { type: "text" };
import confusablesTs from "../core/confusables.ts" with { type: "text" };
import deliveryTs from "../core/delivery.ts" with { type: "text" };
import addressTs from "../core/address.ts" with { type: "text" };
import arrivalsTs from "../core/arrivals.ts" with { type: "text" };
import backoffTs from "../core/backoff.ts" with { type: "text" };
import bellTs from "../core/bell.ts" with { type: "text" };
import completeTs from "../core/complete.ts" with { type: "text" };
import conversationTs from "../core/conversation.ts" with { type: "text" };
import answerOrderTs from "../core/answer_order.ts" with { type: "text" };
import conversationOptionsTs from "../core/conversation_options.ts" with { type: "text" };
import handshakeTs from "../core/handshake.ts" with { type: "text" };
import localCommandsTs from "../core/local_commands.ts" with { type: "text" };
import lookingTs from "../core/looking.ts" with { type: "text" };
import presenceLinkTs from "../core/presence_link.ts" with { type: "text" };
import describeTs from "../core/describe.ts" with { type: "text" };
import dividersTs from "../core/dividers.ts" with { type: "text" };
import durationTs from "../core/duration.ts" with { type: "text" };
import effectsTs from "../core/effects.ts" with { type: "text" };
import filesTs from "../core/files.ts" with { type: "text" };
import linkTs from "../core/link.ts" with { type: "text" };
import noticesTs from "../core/notices.ts" with { type: "text" };
import plainTs from "../core/plain.ts" with { type: "text" };
import presenceTs from "../core/presence.ts" with { type: "text" };
import presenceStateTs from "../core/presence_state.ts" with { type: "text" };
import rosterTs from "../core/roster.ts" with { type: "text" };
import shelfTs from "../core/shelf.ts" with { type: "text" };
import transfersTs from "../core/transfers.ts" with { type: "text" };
import typingTs from "../core/typing.ts" with { type: "text" };
import viewsTs from "../core/views.ts" with { type: "text" };
import wordingTs from "../core/wording.ts" with { type: "text" };
import type { WebAsset } from "./transports/web.ts";

const MODULES: Readonly<Record<string, string>> = {
  "/web/alerts.ts": alertsTs,
  "/web/attachment.ts": attachmentTs,
  "/web/app.ts": appTs,
  "/web/caret.ts": caretTs,
  "/web/client.ts": clientTs,
  "/web/composer.ts": composerTs,
  "/web/connection.ts": connectionTs,
  "/web/focus.ts": focusTs,
  "/web/incoming.ts": incomingTs,
  "/web/input.ts": inputTs,
  "/web/joining.ts": joiningTs,
  "/web/leave_guard.ts": leaveGuardTs,
  "/web/links.ts": linksTs,
  "/web/log.ts": logTs,
  "/web/log_line.ts": logLineTs,
  "/web/logs.ts": logsTs,
  "/web/message_box.ts": messageBoxTs,
  "/web/page.ts": pageTs,
  "/web/people.ts": peopleTs,
  "/web/presence.ts": presenceWebTs,
  "/web/reload.ts": reloadTs,
  "/web/render.ts": renderTs,
  "/web/sending.ts": sendingTs,
  "/web/sharing.ts": sharingTs,
  "/web/quiet_asks.ts": quietAsksTs,
  "/web/sidebar.ts": sidebarTs,
  "/web/status.ts": statusTs,
  "/web/ui.ts": uiTs,
  "/web/upload.ts": uploadTs,
  "/protocol.ts": protocolTs,
  "/protocol/_specs.ts": protocolSpecsTs,
  "/protocol/frames.ts": protocolFramesTs,
  "/protocol/limits.ts": protocolLimitsTs,
  "/protocol/lines.ts": protocolLinesTs,
  "/protocol/parse_client.ts": protocolParseClientTs,
  "/protocol/parse_server.ts": protocolParseServerTs,
  "/protocol/_read.ts": protocolReadTs,
  "/protocol/version1.ts": protocolVersion1Ts,
  "/core/sanitize.ts": sanitizeTs,
  "/core/palette.ts": paletteTs,
  "/core/commands.ts": commandsTs,
  "/core/command_kinds.ts": commandKindsTs,
  "/core/client_commands.ts": clientCommandsTs,
  "/core/operator_commands.ts": operatorCommandsTs,
  "/core/format.ts": formatTs,
  "/core/names.ts": namesTs,
  "/core/confusables.ts": confusablesTs,
  "/core/delivery.ts": deliveryTs,
  "/core/address.ts": addressTs,
  "/core/arrivals.ts": arrivalsTs,
  "/core/backoff.ts": backoffTs,
  "/core/bell.ts": bellTs,
  "/core/complete.ts": completeTs,
  "/core/conversation.ts": conversationTs,
  "/core/answer_order.ts": answerOrderTs,
  "/core/conversation_options.ts": conversationOptionsTs,
  "/core/handshake.ts": handshakeTs,
  "/core/local_commands.ts": localCommandsTs,
  "/core/looking.ts": lookingTs,
  "/core/presence_link.ts": presenceLinkTs,
  "/core/describe.ts": describeTs,
  "/core/dividers.ts": dividersTs,
  "/core/duration.ts": durationTs,
  "/core/effects.ts": effectsTs,
  "/core/files.ts": filesTs,
  "/core/link.ts": linkTs,
  "/core/notices.ts": noticesTs,
  "/core/plain.ts": plainTs,
  "/core/presence.ts": presenceTs,
  "/core/presence_state.ts": presenceStateTs,
  "/core/roster.ts": rosterTs,
  "/core/shelf.ts": shelfTs,
  "/core/transfers.ts": transfersTs,
  "/core/typing.ts": typingTs,
  "/core/views.ts": viewsTs,
  "/core/wording.ts": wordingTs,
};

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
  `<rect width="32" height="32" rx="7" fill="#0087af"/>` +
  `<path d="M8 9h16a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z" fill="#fff"/>` +
  `</svg>`;

let assets: Map<string, WebAsset> | undefined;

/** Every file of the web client by URL path, built once on first use. */
export function webAssets(): ReadonlyMap<string, WebAsset> {
  if (assets !== undefined) return assets;
  assets = new Map<string, WebAsset>([
    ["/", { type: "text/html; charset=utf-8", body: indexHtml }],
    ["/index.html", { type: "text/html; charset=utf-8", body: indexHtml }],
    ["/web/style.css", { type: "text/css; charset=utf-8", body: styleCss }],
    ["/favicon.svg", { type: "image/svg+xml", body: FAVICON }],
  ]);
  for (const [path, source] of Object.entries(MODULES)) {
    assets.set(path, {
      type: "text/javascript; charset=utf-8",
      body: stripTypeScriptTypes(source, { mode: "strip" }),
    });
  }
  return assets;
}
