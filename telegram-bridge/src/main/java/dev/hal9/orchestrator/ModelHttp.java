package dev.hal9.orchestrator;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One JSON request to a model's API, its failures as {@link ChatModel.ModelException}s a user may read. */
final class ModelHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ModelHttp() {}

    /** Sends the request; returns the JSON answer of a 200 that carries no error. */
    static JsonNode exchange(HttpClient http, HttpRequest request, Duration timeout, String base) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ChatModel.ModelException("the model did not answer within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new ChatModel.ModelException("the model's API at " + base + " could not be reached");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatModel.ModelException("interrupted while waiting for the model");
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            throw new ChatModel.ModelException(
                    "the model's API answered HTTP " + response.statusCode() + " without JSON");
        }
        // OpenAI puts "error" at the top; Anthropic says "type": "error" with the same "error" object
        if (response.statusCode() != 200 || answer.has("error")) {
            throw new ChatModel.ModelException("the model's API refused (HTTP " + response.statusCode() + "): "
                    + answer.path("error").path("message").asString("no message"));
        }
        return answer;
    }
}
