// The example frontend's entry point.
//   index.html?ws=ws://host/ws/sessions/<id>/   live events
//   index.html?check=vectors | ?check=bench     the in-browser self-check
import { CONTRACTS_VERSION, contractsProtocols } from "@coach-app/coach-app-baml-client";
import { VALIDATOR_BUILD } from "@coach-app/coach-app-baml-client/validate";
import { selfCheck } from "./check.js";
import { connect } from "./live.js";
import { setStatus } from "./render.js";

const params = new URLSearchParams(location.search);
const version = document.getElementById("version");
if (version) version.textContent = CONTRACTS_VERSION;
const build = document.getElementById("build");
if (build) build.textContent = VALIDATOR_BUILD;

const check = params.get("check");
const ws = params.get("ws");
if (check) void selfCheck(check);
else if (ws) connect(ws, contractsProtocols()); // announce the contracts version this bundle speaks
else setStatus("pass ?ws=<WebSocket URL> to connect");
