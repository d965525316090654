import { defineConfig } from 'vite';

/** Token server the dev server and `vite preview` proxy `/api` to (a wildcard bind address means loopback). */
function tokenServer(env: NodeJS.ProcessEnv): string {
  const host =
    env.TOKEN_SERVER_HOST && env.TOKEN_SERVER_HOST !== '0.0.0.0' ? env.TOKEN_SERVER_HOST : '127.0.0.1';
  const port = env.TOKEN_SERVER_PORT ?? '8787';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const port = Number(process.env.WEB_PORT ?? 5173);
const proxy = { '/api': { target: tokenServer(process.env), changeOrigin: false } };

export default defineConfig({
  server: { host: '127.0.0.1', port, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port, strictPort: true, proxy },
  build: {
    target: 'es2022',
    sourcemap: true,
    // livekit-client (with its protobuf runtime) is ~530 kB minified; keep it in its own long-cached chunk
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [{ name: 'livekit', test: /node_modules[\\/](livekit-client|@livekit|@bufbuild)[\\/]/ }],
        },
      },
    },
  },
});
