#!/usr/bin/env node
// Hold conversations with the skill over HTTP as Alexa would, using npm virtual-alexa.
//
//   node tests/js/conversation.js PLAN.json
//
// PLAN.json: {"model": "interaction_model/en-US.json", "url": "http://127.0.0.1:PORT/alexa",
//   "sessions": [{"applicationId": "amzn1.ask.skill...", "turns": [
//     {"launch": true} | {"utter": "exact sample utterance"} |
//     {"intend": "AMAZON.NextIntent"} | {"endSession": true}, ...]}]}
//
// Prints one JSON document: for every turn, the request virtual-alexa sent (type, intent
// it resolved, whether the session was new) and the skill's response or the error.
// Asserting is left to the caller (tests/test_virtual_alexa.py), which knows the catalogue.
"use strict";

const fs = require("fs");
const path = require("path");
const va = require("virtual-alexa");

function describeRequest(request) {
  if (!request) return null;
  const body = request.request || {};
  return {
    type: body.type || null,
    intent: body.intent ? body.intent.name : null,
    newSession: request.session ? request.session.new : null,
    applicationId: request.context ? request.context.System.application.applicationId : null,
  };
}

async function runTurn(alexa, turn) {
  if (turn.launch) return alexa.launch();
  if (typeof turn.utter === "string") return alexa.utter(turn.utter);
  if (typeof turn.intend === "string") return alexa.intend(turn.intend, turn.slots || {});
  if (turn.endSession) return alexa.endSession();
  throw new Error(`Unknown turn ${JSON.stringify(turn)}`);
}

async function runSession(plan, session) {
  const alexa = va.VirtualAlexa.Builder()
    .interactionModelFile(path.resolve(plan.model))
    .skillURL(plan.url)
    .applicationID(session.applicationId)
    .locale(plan.locale || "en-US")
    .create();
  let sent = null;
  alexa.filter((request) => {
    sent = request;
  });
  const turns = [];
  for (const turn of session.turns) {
    sent = null;
    let outcome;
    try {
      const response = await runTurn(alexa, turn);
      outcome = { ok: true, response };
    } catch (error) {
      outcome = { ok: false, error: String(error && error.message ? error.message : error) };
    }
    turns.push({ turn, request: describeRequest(sent), ...outcome });
  }
  return { applicationId: session.applicationId, turns };
}

async function main() {
  const planPath = process.argv[2];
  if (!planPath) {
    process.stderr.write("usage: node tests/js/conversation.js PLAN.json\n");
    process.exit(2);
  }
  const plan = JSON.parse(fs.readFileSync(planPath, "utf8"));
  const sessions = [];
  for (const session of plan.sessions) {
    sessions.push(await runSession(plan, session));
  }
  // Node keeps HTTP connections alive; exit once written instead of waiting for the server
  // to close them (waitress does after two minutes idle).
  process.stdout.write(JSON.stringify({ sessions }) + "\n", () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`conversation.js failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
