// One headless WebRTC participant per process, for the SFU media tests (wrtcPeerCore.mjs).
//
// Runs in its own process because @roamhq/wrtc crashes while Node exits naturally; the parent
// test sends { type: 'exit' } and this process ends with an explicit process.exit().
//
// usage (fork): wrtcPeer.mjs <sfuUrl> <roomId> <roomToken> <patient|provider> [iceJson]
//   iceJson: {"iceServers": [...], "iceTransportPolicy": "relay"} to force media through TURN.
// reports to the parent over IPC: joined, admitted, receiving (per media generation), error.
import { startPeer, syntheticCamera } from './wrtcPeerCore.mjs';

const [sfuUrl, roomId, token, role, iceJson] = process.argv.slice(2);
const ice = iceJson === undefined ? {} : JSON.parse(iceJson);
const report = (message) => process.send?.(message);
const WATCHDOG_MS = 180_000;

setTimeout(() => {
  report({ type: 'error', code: 'watchdog', message: 'peer ran too long' });
  process.exit(2);
}, WATCHDOG_MS).unref();

process.on('message', (message) => {
  if (message?.type === 'exit') process.exit(0);
});
process.on('unhandledRejection', (error) => {
  report({ type: 'error', code: error?.code ?? 'unhandled', message: String(error?.message ?? error) });
});

startPeer({ sfuUrl, roomId, token, role, ice, tracks: [syntheticCamera({ width: 320, height: 240, fps: 15 })], report });
