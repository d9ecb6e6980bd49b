import { CHAT_MAX_CHARS, deriveChatKey, openChat, sealChat } from './chatCrypto.js';
import { newSenderKeyMaterial } from './keyAgreement.js';

describe('in-call chat crypto', () => {
  it('round-trips between sender and receiver who derive the key from the same media key', async () => {
    const material = newSenderKeyMaterial();
    const senderKey = await deriveChatKey(material, 'alice', 3);
    const receiverKey = await deriveChatKey(material.slice(0), 'alice', 3);
    const sealed = await sealChat(senderKey, 'alice', 3, 'Can you turn a little to the left? 🙂');
    expect(await openChat(receiverKey, 'alice', sealed)).toBe('Can you turn a little to the left? 🙂');
  });

  it('uses a fresh IV every time, so equal messages look different', async () => {
    const key = await deriveChatKey(newSenderKeyMaterial(), 'alice', 0);
    const one = await sealChat(key, 'alice', 0, 'same');
    const two = await sealChat(key, 'alice', 0, 'same');
    expect(one.iv).not.toBe(two.iv);
    expect(one.ciphertext).not.toBe(two.ciphertext);
    expect(one.ciphertext).not.toContain('same');
  });

  it('refuses a message re-attributed to another sender or key index, tampered, or opened with another key', async () => {
    const material = newSenderKeyMaterial();
    const key = await deriveChatKey(material, 'alice', 1);
    const sealed = await sealChat(key, 'alice', 1, 'hello');
    await expect(openChat(key, 'mallory', sealed)).rejects.toThrow();
    await expect(openChat(key, 'alice', { ...sealed, keyIndex: 2 })).rejects.toThrow();
    const flipped = sealed.ciphertext.startsWith('A') ? `B${sealed.ciphertext.slice(1)}` : `A${sealed.ciphertext.slice(1)}`;
    await expect(openChat(key, 'alice', { ...sealed, ciphertext: flipped })).rejects.toThrow();
    // Another sender's chat key from the same material (HKDF info binds the sender) cannot open it.
    await expect(openChat(await deriveChatKey(material, 'bob', 1), 'alice', sealed)).rejects.toThrow();
    await expect(openChat(await deriveChatKey(newSenderKeyMaterial(), 'alice', 1), 'alice', sealed)).rejects.toThrow();
  });

  it('derives a chat key distinct from the media frame key (the raw material)', async () => {
    const material = newSenderKeyMaterial();
    const frameKey = await crypto.subtle.importKey('raw', material, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    const sealed = await sealChat(await deriveChatKey(material, 'alice', 0), 'alice', 0, 'not a frame');
    await expect(openChat(frameKey, 'alice', sealed)).rejects.toThrow();
  });

  it('refuses empty and oversized messages', async () => {
    const key = await deriveChatKey(newSenderKeyMaterial(), 'alice', 0);
    await expect(sealChat(key, 'alice', 0, '')).rejects.toThrow();
    await expect(sealChat(key, 'alice', 0, 'x'.repeat(CHAT_MAX_CHARS + 1))).rejects.toThrow();
    // The largest message still fits the SFU's ciphertext limit (16 384 base64url characters).
    const largest = await sealChat(key, 'alice', 0, 'é'.repeat(CHAT_MAX_CHARS));
    expect(largest.ciphertext.length).toBeLessThanOrEqual(16_384);
  });
});
