/**
 * Stands in for the `stripe` package when the benchmark bundles the webhook
 * function without it, to bound what loading the package later could save.
 * The bundle still loads, because the webhook code touches the package only
 * inside functions; it is never invoked.
 */
const Stripe = {};
export default Stripe;
