/**
 * Lets queued events (a worker's incoming messages) run. Awaiting ONNX runs alone never does: they
 * settle as microtasks, and a 'cancel' message would wait until the whole recording is done.
 */
export function yieldToEventLoop(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 0));
}
