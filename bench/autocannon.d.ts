// The part of autocannon's API the benchmarks use (it ships no types).
declare module "autocannon" {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }
  /** The requests histogram also counts every completed request. */
  interface RequestsHistogram extends Histogram {
    total: number;
  }
  interface Result {
    requests: RequestsHistogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
