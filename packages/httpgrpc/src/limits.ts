/** gRPC's default maximum message size, and ours for each body. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Room for the method, URL and headers around a body at the limit, in the gRPC message limit. */
export const MESSAGE_OVERHEAD_BYTES = 256 * 1024;
