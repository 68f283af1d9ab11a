// kafkajs-snappy ships no types: its CommonJS export is a factory for a kafkajs codec.
declare module 'kafkajs-snappy' {
  const createSnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export = createSnappyCodec;
}
