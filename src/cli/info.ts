// `bitnet-web info MODEL`: architecture, hyperparameters, formats and sizes of a model file.
import { openWithTokenizer, parseCommand, printJson, requireModelArg } from './common.ts';

const USAGE = 'bitnet-web info MODEL [--json]';

export async function info(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, {}, USAGE);
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  try {
    const c = model.config;
    const ternaryParams = c.nLayers * (2 * c.nHeads * c.headDim * c.dim + 2 * c.nKvHeads * c.headDim * c.dim + 3 * c.ffnDim * c.dim);
    const facts = {
      ...model.describe(),
      config: c,
      weightFormat: model.weightFormat,
      embeddingType: model.embeddingType,
      lmHead: model.lmHead,
      ternaryParams,
      embeddingParams: c.vocabSize * c.dim,
      tokenizer: { vocabSize: tokenizer.vocabSize, bosId: tokenizer.bosId, stopIds: tokenizer.eosIds },
      chatTemplate: model.chatTemplate,
      generation: model.generation,
    };
    if (values.json) return printJson(facts);
    const { metadata: _m, config: _c, ...rest } = facts as Record<string, unknown>;
    console.log(`${c.arch}: ${c.nLayers} layers, dim ${c.dim}, ffn ${c.ffnDim}, heads ${c.nHeads}/${c.nKvHeads} (head ${c.headDim}), vocab ${c.vocabSize}, context ${c.contextLength}`);
    console.log(`rope theta ${c.ropeTheta}, rms eps ${c.rmsEps}, FFN ${c.activation}`);
    console.log(`weights ${model.weightFormat}, embedding ${model.embeddingType}, LM head ${model.lmHead}; ${(ternaryParams / 1e9).toFixed(3)}B ternary + ${(facts.embeddingParams / 1e6).toFixed(1)}M embedding parameters`);
    for (const [k, v] of Object.entries(rest)) if (!['weightFormat', 'embeddingType', 'lmHead', 'ternaryParams', 'embeddingParams'].includes(k)) console.log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  } finally {
    await close();
  }
}
