/** How the vision models are run (`VISION_INFERENCE*`, parsed in `config.ts`). */
export interface InferenceSettings {
  /**
   * `shared`: one inference service per worker machine, started by the worker, used by every job
   * process; `local`: each job process loads its own sessions.
   */
  mode: 'shared' | 'local';
  /** Socket of a running service; the worker sets it for its job processes. */
  socket?: string;
  /** onnxruntime threads inside one operator in the service. */
  threads: number;
  /** Requests waiting at most in the service. */
  queue: number;
  /** Time one model run may take, its wait in the queue included, before its frame is skipped (ms). */
  deadlineMs: number;
  /** Directory of the verified ONNX models. */
  modelsDir: string;
}
