// Loading / error state around one async action, so every page shows the same three states
// (loading, the error with its code, the result) without repeating try/finally.
import { ref, type Ref } from 'vue'
import { ApiError } from '@/api/client'

export interface AsyncState<A extends unknown[], R> {
  busy: Ref<boolean>
  error: Ref<ApiError | null>
  run: (...args: A) => Promise<R | undefined>
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ApiError(0, 'network_error', message)
}

export function useAsync<A extends unknown[], R>(action: (...args: A) => Promise<R>): AsyncState<A, R> {
  const busy = ref(false)
  const error = ref<ApiError | null>(null) as Ref<ApiError | null>
  async function run(...args: A): Promise<R | undefined> {
    busy.value = true
    error.value = null
    try {
      return await action(...args)
    } catch (e) {
      error.value = toApiError(e)
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, error, run }
}
