import { sameEndpoint, signalingEndpoint } from './signalingEndpoint.js';

describe('signaling endpoint of an SFU URL', () => {
  const page = 'https://clinic.example/visit/123';

  it('keeps the default path for a bare origin', () => {
    expect(signalingEndpoint('https://clinic.example', page)).toEqual({ origin: 'https://clinic.example', path: '/socket.io' });
    expect(signalingEndpoint('http://127.0.0.1:4000/', page)).toEqual({ origin: 'http://127.0.0.1:4000', path: '/socket.io' });
  });

  it('moves a path prefix into the engine path instead of a namespace', () => {
    expect(signalingEndpoint('http://lb.example:8080/sfu/node-a', page)).toEqual({ origin: 'http://lb.example:8080', path: '/sfu/node-a/socket.io' });
    expect(signalingEndpoint('http://lb.example/sfu/node-a/', page)).toEqual({ origin: 'http://lb.example', path: '/sfu/node-a/socket.io' });
  });

  it('resolves a path-only URL against the page origin', () => {
    expect(signalingEndpoint('/sfu/node-b', page)).toEqual({ origin: 'https://clinic.example', path: '/sfu/node-b/socket.io' });
  });

  it('tells nodes apart', () => {
    expect(sameEndpoint(signalingEndpoint('/sfu/node-a', page), signalingEndpoint('https://clinic.example/sfu/node-a', page))).toBe(true);
    expect(sameEndpoint(signalingEndpoint('/sfu/node-a', page), signalingEndpoint('/sfu/node-b', page))).toBe(false);
  });
});
