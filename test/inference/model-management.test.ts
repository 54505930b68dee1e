import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { listModelFiles, readModelInfo, resolveModelPath } from '../../src/inference/model-files.js';
import { pullModel, resolvePullSource } from '../../src/inference/model-pull.js';
import { STORIES_MODEL, TINY_RANDOM_MODEL } from './test-models.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const stories = readFileSync(STORIES_MODEL);

describe('model files', { timeout: 60_000 }, () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'vigie-models-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('describes a GGUF file', async () => {
    const info = await readModelInfo(STORIES_MODEL);
    assert.equal(info.architecture, 'llama');
    assert.equal(info.fileName, 'stories260K.gguf');
    assert.equal(info.sizeBytes, 1_185_376);
    assert.equal(info.ggufVersion, 3);
    assert.equal(info.contextLength, 2048);
    assert.equal(info.embeddingLength, 64);
    assert.equal(info.layers, 5);
    assert.ok(info.parameters > 200_000 && info.parameters < 400_000, String(info.parameters));
    const tiny = await readModelInfo(TINY_RANDOM_MODEL);
    assert.equal(tiny.quantisation, 'MOSTLY_F16');
    assert.equal(tiny.contextLength, 4096);
  });

  it('gives clear errors for missing, non-GGUF, truncated and directory paths', async () => {
    await assert.rejects(
      readModelInfo(path.join(directory, 'nope.gguf')),
      (error: any) => error.code === 'model_file_invalid' && /Model file not found: .*nope\.gguf/.test(error.message),
    );
    const zip = path.join(directory, 'fake.gguf');
    await writeFile(zip, Buffer.from('PK\u0003\u0004 not a model at all'));
    await assert.rejects(readModelInfo(zip), /Not a GGUF file \(it starts with "PK/);
    const tiny = path.join(directory, 'tiny.gguf');
    await writeFile(tiny, 'GGU');
    await assert.rejects(readModelInfo(tiny), /only 3 bytes/);
    const headerOnly = path.join(directory, 'header.gguf');
    await writeFile(headerOnly, stories.subarray(0, 2000));
    await assert.rejects(readModelInfo(headerOnly), /Truncated or corrupt GGUF/);
    const cut = path.join(directory, 'cut.gguf');
    await writeFile(cut, stories.subarray(0, stories.length - 1000));
    await assert.rejects(readModelInfo(cut), (error: any) =>
      /Truncated GGUF file .*1184376 bytes on disk, 1185376 expected/.test(error.message),
    );
    await assert.rejects(readModelInfo(directory), /not a file/);
  });

  it('lists .gguf files and resolves references', async () => {
    const models = path.join(directory, 'models');
    await mkdir(models, { recursive: true });
    await writeFile(path.join(models, 'b.gguf'), stories);
    await writeFile(path.join(models, 'a.GGUF'), 'x');
    await writeFile(path.join(models, 'notes.txt'), 'x');
    assert.deepEqual(
      (await listModelFiles(models)).map((model) => [model.fileName, model.sizeBytes]),
      [
        ['a.GGUF', 1],
        ['b.gguf', stories.length],
      ],
    );
    assert.deepEqual(await listModelFiles(path.join(directory, 'absent')), []);
    assert.equal(resolveModelPath('b.gguf', directory), path.join(models, 'b.gguf'));
    assert.equal(resolveModelPath('hf:user/repo/dir/x.gguf', directory), path.join(models, 'x.gguf'));
    assert.equal(resolveModelPath('/abs/m.gguf', directory), '/abs/m.gguf');
  });
});

describe('models pull', { timeout: 60_000 }, () => {
  let directory: string;
  let server: http.Server;
  let base: string;
  const hanging = new Set<http.ServerResponse>();

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'vigie-pull-'));
    server = http.createServer((request, response) => {
      const url = request.url ?? '';
      if (url.endsWith('/resolve/main/stories260K.gguf') || url === '/files/good.gguf') {
        response.writeHead(200, { 'content-length': stories.length });
        response.end(stories);
      } else if (url === '/files/zip.gguf') {
        response.end('PK\u0003\u0004 this is not a model');
      } else if (url === '/files/cut.gguf') {
        response.writeHead(200, { 'content-length': stories.length });
        response.write(stories.subarray(0, 50_000), () => response.destroy());
      } else if (url === '/files/chunked-cut.gguf') {
        response.end(stories.subarray(0, stories.length - 5000));
      } else if (url === '/files/hang.gguf') {
        hanging.add(response);
      } else {
        response.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it('resolves hf: URIs and rejects unsupported references', () => {
    assert.deepEqual(resolvePullSource('hf:user/repo/sub/model-Q4_K_M.gguf'), {
      url: 'https://huggingface.co/user/repo/resolve/main/sub/model-Q4_K_M.gguf',
      fileName: 'model-Q4_K_M.gguf',
    });
    assert.equal(resolvePullSource('hf:user/repo@v2/m.gguf', 'http://mirror/').url, 'http://mirror/user/repo/resolve/v2/m.gguf');
    assert.throws(() => resolvePullSource('hf:user/repo:Q4_K_M'), /use hf:<user>\/<repo>\/<file>\.gguf/);
    assert.throws(() => resolvePullSource('ftp://x/y.gguf'), /Unsupported model reference/);
    assert.throws(() => resolvePullSource('https://example.com/model.bin'), /must end with a \.gguf/);
  });

  it('downloads, verifies and installs a model with progress', async () => {
    const progress: number[] = [];
    const info = await pullModel({
      reference: 'hf:karpathy/tinyllamas/stories260K.gguf',
      directory,
      huggingFaceEndpoint: base,
      onProgress: (received, total) => {
        assert.equal(total, stories.length);
        progress.push(received);
      },
    });
    assert.equal(info.path, path.join(directory, 'stories260K.gguf'));
    assert.equal(info.architecture, 'llama');
    assert.equal(progress.at(-1), stories.length);
    await pullModel({ reference: `${base}/files/good.gguf`, directory });
    await assert.rejects(pullModel({ reference: `${base}/files/good.gguf`, directory }), { code: 'conflict' });
    await pullModel({ reference: `${base}/files/good.gguf`, directory, force: true });
  });

  it('refuses non-GGUF, cut and truncated downloads and leaves nothing behind', async () => {
    await assert.rejects(pullModel({ reference: `${base}/files/zip.gguf`, directory }), /Not a GGUF file/);
    await assert.rejects(
      pullModel({ reference: `${base}/files/cut.gguf`, directory }),
      (error: any) => error.code === 'model_download_failed' && /after|incomplete/.test(error.message),
    );
    await assert.rejects(pullModel({ reference: `${base}/files/chunked-cut.gguf`, directory }), /Truncated GGUF file/);
    await assert.rejects(pullModel({ reference: `${base}/files/missing.gguf`, directory }), /HTTP 404/);
    const left = await readdir(directory);
    assert.deepEqual(left.sort(), ['good.gguf', 'stories260K.gguf']);
  });

  it('fails fast offline, saying what to download and where to put it', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      pullModel({ reference: 'hf:user/repo/model.gguf', directory, huggingFaceEndpoint: `http://127.0.0.1:${port}` }),
      (error: any) => {
        return (
          error.code === 'model_download_failed' &&
          error.message.includes('no internet access') &&
          error.message.includes(`http://127.0.0.1:${port}/user/repo/resolve/main/model.gguf`) &&
          error.message.includes(path.join(directory, 'model.gguf'))
        );
      },
    );
    await assert.rejects(pullModel({ reference: `${base}/files/hang.gguf`, directory, connectTimeoutMs: 300 }), /connect timeout/);
  });

  it('runs as `vigie models info|pull` from the command line', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATA_DIR: directory, LOG_LEVEL: 'silent' };
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ['--import', 'tsx', '-e', `import('./src/cli/main.ts').then((m) => m.runCli(['node', 'vigie', ...${JSON.stringify(args)}]))`],
        { cwd: root, env },
      );
    await mkdir(path.join(directory, 'models'), { recursive: true });
    await writeFile(path.join(directory, 'models', 'copy.gguf'), stories);
    const info = await cli('models', 'info', 'copy.gguf');
    assert.match(info.stdout, /architecture: {3}llama/);
    assert.match(info.stdout, /context length: 2048/);
    await assert.rejects(
      cli('models', 'pull', 'hf:user/repo/m.gguf', '--hf-endpoint', 'http://127.0.0.1:9', '--connect-timeout', '2000'),
      (error: any) => /no internet access.*Download http:\/\/127\.0\.0\.1:9\/user\/repo\/resolve\/main\/m\.gguf/.test(error.stderr),
    );
  });
});
