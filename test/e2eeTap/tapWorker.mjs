/* global self */
// Sender-side transform for the E2EE tap test (test/e2eeTap.test.ts), never shipped.
// It seals frames with the client's own frame crypto (client/src/e2ee/worker: same header
// rules, AES-GCM, IV sequence and trailer as the production worker) and, before sealing,
// reports a fingerprint of each frame's plaintext body so the test can look for it in what
// the SFU forwards. With `encrypt: false` it passes frames through (the control run).
import { clearHeaderLength } from '../../client/src/e2ee/worker/codecHeader.js';
import { IvSequence, encryptFrame, importMediaKey } from '../../client/src/e2ee/worker/frameCrypto.js';

/** Bytes of plaintext body per fingerprint: long enough never to match by chance. */
const FINGERPRINT_BYTES = 16;

let key;
const iv = new IvSequence();

self.addEventListener('message', (event) => {
  if (event.data?.kind === 'setLocalKey') key = importMediaKey(event.data.material);
});

const hex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

self.addEventListener('rtctransform', (event) => {
  const { readable, writable, options } = event.transformer;
  const transform = new TransformStream({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      const headerLength = clearHeaderLength('video', data, frame.type === undefined ? undefined : frame.type === 'key');
      if (data.byteLength >= headerLength + FINGERPRINT_BYTES) {
        self.postMessage({ kind: 'plaintext', keyFrame: frame.type === 'key', body: hex(data.subarray(headerLength, headerLength + FINGERPRINT_BYTES)) });
      }
      if (options.encrypt) {
        const sealed = await encryptFrame(data, headerLength, await key, 0, iv.next());
        frame.data = sealed.buffer;
      }
      controller.enqueue(frame);
    },
  });
  readable.pipeThrough(transform).pipeTo(writable).catch(() => undefined);
});
