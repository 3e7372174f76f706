/** The environment variable that opts into the native init (init-order.ts): "native"; any other value, or none, the Node init. */
export const INIT_ENV = 'MINI_RUN_INIT';
