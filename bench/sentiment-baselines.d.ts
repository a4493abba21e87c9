declare module "sentiment" {
  /** AFINN-165 word scores (sentiment 5.0.2): `comparative` is the score per word. */
  export default class Sentiment {
    analyze(text: string): { score: number; comparative: number };
  }
}
