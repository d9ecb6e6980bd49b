// Many headless WebRTC participants in one process, for bench/cluster-rooms.mjs: one wrtc
// (libwebrtc) instance and one synthetic camera feed every peer here, so 200 peers fit on a
// small machine in a few processes. Each peer is the same participant code the SFU tests run
// (sfu/test/support/wrtcPeerCore.mjs): socket.io signaling, waiting room, admission,
// mediasoup-client send and receive transports.
//
// usage (fork): wrtc-peer-host.mjs '{"width":160,"height":120,"fps":10,"kbps":150,"noise":true,"audio":false,"admitRetries":5}'
// IPC in:  { type: 'start', id, sfuUrl, roomId, token, role } | { type: 'stats', requestId } | { type: 'exit' }
// IPC out: { type: 'peer', id, at, message } (message as wrtcPeer.mjs reports; `at` is Date.now())
//          { type: 'stats', requestId, stats: { [id]: totals } } | { type: 'ready' }
import { startPeer, syntheticCamera, syntheticMicrophone } from '../sfu/test/support/wrtcPeerCore.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const width = options.width ?? 160;
const height = options.height ?? 120;
const fps = options.fps ?? 10;
const send = (message) => process.send?.(message);

const maxVideoBitrate = options.kbps === undefined ? undefined : options.kbps * 1000;
const tracks = [syntheticCamera({ width, height, fps, noise: options.noise !== false })];
if (options.audio === true) tracks.push(syntheticMicrophone());

/** @type {Map<string, ReturnType<typeof startPeer>>} */
const peers = new Map();

process.on('unhandledRejection', (error) => {
  send({ type: 'peer', id: null, at: Date.now(), message: { type: 'error', code: error?.code ?? 'unhandled', message: String(error?.message ?? error) } });
});
// The parent is gone (crashed or killed): nothing would ever tell this process to exit.
process.on('disconnect', () => process.exit(0));

process.on('message', (command) => {
  switch (command?.type) {
    case 'start': {
      const { id, sfuUrl, roomId, token, role } = command;
      const report = (message) => send({ type: 'peer', id, at: Date.now(), message });
      // Decoded frames are copied into JS only until the first one: steady-state receiving is
      // read from getStats, which costs nothing per frame.
      peers.set(id, startPeer({ sfuUrl, roomId, token, role, tracks, report, framesToReport: 1, keepSinks: false, maxVideoBitrate, admitRetries: options.admitRetries ?? 0 }));
      break;
    }
    case 'stats': {
      const entries = [...peers].map(async ([id, peer]) => [id, await peer.stats().catch((error) => ({ error: String(error?.message ?? error) }))]);
      Promise.all(entries).then((pairs) => send({ type: 'stats', requestId: command.requestId, stats: Object.fromEntries(pairs) }));
      break;
    }
    case 'exit':
      for (const peer of peers.values()) peer.close();
      // wrtc must not run Node's natural exit (see wrtcPeerCore.mjs).
      setTimeout(() => process.exit(0), 200);
      break;
    default:
      break;
  }
});

send({ type: 'ready' });
