module.exports = async function globalTeardown() {
  const server = globalThis.__MEDSPA_EMBEDDED_PG__;
  if (server !== undefined) {
    await server.stop();
  }
};
