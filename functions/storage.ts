// Blob Storage: clients from the connection setting, a streaming block-blob writer, and blobs read
// as byte streams. Works against Azure, Azure operated by 21Vianet (core.chinacloudapi.cn endpoints in
// the connection string) and Azurite (UseDevelopmentStorage=true).
import { BlobServiceClient, type ContainerClient, type BlockBlobClient } from '@azure/storage-blob';
import { storageConnection } from './settings';
import { HttpProblem } from './problem';

let cached: { conn: string; client: BlobServiceClient } | undefined;

export function blobService(): BlobServiceClient {
  const conn = storageConnection();
  if (!conn) {
    throw new HttpProblem(503, '未配置存储连接（应用设置 YIBAO_STORAGE 或 AzureWebJobsStorage）', 'no storage connection configured (app setting YIBAO_STORAGE or AzureWebJobsStorage)', 'storage');
  }
  if (!cached || cached.conn !== conn) cached = { conn, client: BlobServiceClient.fromConnectionString(conn) };
  return cached.client;
}

export async function container(name: string): Promise<ContainerClient> {
  const c = blobService().getContainerClient(name);
  await c.createIfNotExists();
  return c;
}

/** A blob's bytes as they download (never the whole blob in memory). */
export async function* blobChunks(client: ContainerClient, name: string): AsyncGenerator<Uint8Array> {
  const res = await client.getBlobClient(name).download();
  const body = res.readableStreamBody;
  if (!body) return;
  for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
}

/**
 * Text written to a block blob in blocks of `blockBytes` (staged as they fill, committed at close),
 * so a large result never sits whole in memory.
 */
export class BlobWriter {
  private parts: Buffer[] = [];
  private size = 0;
  private ids: string[] = [];
  private blob: BlockBlobClient;
  written = 0;
  constructor(client: ContainerClient, readonly name: string, private contentType = 'text/csv; charset=utf-8', private blockBytes = 4 * 1024 * 1024) {
    this.blob = client.getBlockBlobClient(name);
  }
  async write(text: string): Promise<void> {
    const b = Buffer.from(text, 'utf8');
    this.parts.push(b);
    this.size += b.length;
    this.written += b.length;
    if (this.size >= this.blockBytes) await this.stage();
  }
  private async stage(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const id = Buffer.from(String(this.ids.length).padStart(8, '0')).toString('base64');
    await this.blob.stageBlock(id, data, data.length);
    this.ids.push(id);
  }
  async close(): Promise<void> {
    await this.stage();
    await this.blob.commitBlockList(this.ids, { blobHTTPHeaders: { blobContentType: this.contentType } });
  }
}

export async function writeText(client: ContainerClient, name: string, text: string, contentType = 'text/csv; charset=utf-8'): Promise<void> {
  const data = Buffer.from(text, 'utf8');
  await client.getBlockBlobClient(name).upload(data, data.length, { blobHTTPHeaders: { blobContentType: contentType } });
}
