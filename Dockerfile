# One image for every Safewatch process; compose.yaml picks the command.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY data ./data
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 safewatch
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER safewatch
WORKDIR /home/safewatch
ENV SAFEWATCH_DATA_DIR=/var/lib/safewatch SAFEWATCH_ENV=production
EXPOSE 8000 8001 8002
ENTRYPOINT ["safewatch"]
CMD ["serve", "--host", "0.0.0.0"]
