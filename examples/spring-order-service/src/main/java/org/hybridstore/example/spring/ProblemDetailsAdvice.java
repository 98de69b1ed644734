package org.hybridstore.example.spring;

import java.util.Map;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.ConsistencyUnavailableException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The store's exceptions as RFC 9457 problem details ({@code application/problem+json}); Spring
 * MVC's own (a body that fails validation, a malformed body) come out the same way through {@link
 * ResponseEntityExceptionHandler}. Every problem carries {@code definite}: true when nothing was
 * applied (safe to retry), false when a write may or may not have been applied (retry with the same
 * Idempotency-Key).
 *
 * <pre>
 *   400 invalid                  the input breaks a rule (id, currency, limits)
 *   404 not-found                no such order
 *   409 rejected                 well-formed but not applicable now (reason: ILLEGAL_TRANSITION, ...)
 *   503 consistency-unavailable  a linearizable read, or ?strong=true, while etcd has no quorum
 *   503 unavailable              the store cannot serve the request now
 *   504 indeterminate            a write that may have been applied
 * </pre>
 */
@RestControllerAdvice
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {
  ProblemDetailsAdvice() {}

  @ExceptionHandler({InvalidInputException.class, CorruptDataException.class})
  ProblemDetail invalid(RuntimeException e) {
    return problem(HttpStatus.BAD_REQUEST, "invalid", true, e.getMessage());
  }

  @ExceptionHandler(CommandRejectedException.class)
  ProblemDetail rejected(CommandRejectedException e) {
    if (e.reason() == CommandRejectedException.Reason.NOT_FOUND) {
      return problem(HttpStatus.NOT_FOUND, "not-found", true, e.getMessage());
    }
    ProblemDetail p = problem(HttpStatus.CONFLICT, "rejected", true, e.getMessage());
    p.setProperty("reason", e.reason().name());
    return p;
  }

  @ExceptionHandler(ConsistencyUnavailableException.class)
  ResponseEntity<ProblemDetail> consistencyUnavailable(ConsistencyUnavailableException e) {
    ProblemDetail p =
        problem(HttpStatus.SERVICE_UNAVAILABLE, "consistency-unavailable", true, e.getMessage());
    p.setProperty("mode", e.mode().name());
    return retryLater(p);
  }

  @ExceptionHandler({StoreUnavailableException.class, StoreClosedException.class})
  ResponseEntity<ProblemDetail> unavailable(RuntimeException e) {
    return retryLater(problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", true, e.getMessage()));
  }

  @ExceptionHandler(IndeterminateWriteException.class)
  ProblemDetail indeterminate(IndeterminateWriteException e) {
    return problem(
        HttpStatus.GATEWAY_TIMEOUT,
        "indeterminate",
        false,
        e.getMessage() + "; retry with the same Idempotency-Key");
  }

  /** Adds each rejected field to Spring MVC's problem for a body that fails Bean Validation. */
  @Override
  protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail p = e.getBody();
    p.setProperty("error", "invalid");
    p.setProperty("definite", true);
    p.setProperty(
        "errors",
        e.getBindingResult().getFieldErrors().stream()
            .map(
                f ->
                    Map.of("field", f.getField(), "message", String.valueOf(f.getDefaultMessage())))
            .toList());
    return handleExceptionInternal(e, p, headers, status, request);
  }

  private static ProblemDetail problem(
      HttpStatus status, String kind, boolean definite, @Nullable String detail) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setProperty("error", kind);
    p.setProperty("definite", definite);
    return p;
  }

  private static ResponseEntity<ProblemDetail> retryLater(ProblemDetail p) {
    return ResponseEntity.status(p.getStatus()).header(HttpHeaders.RETRY_AFTER, "1").body(p);
  }
}
