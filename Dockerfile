# One image for every InsightDesk process; docker-compose.yml picks the command (api, worker, ingest).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# npm ci builds the agents' web app (prepare): its sources come first.
COPY scripts/build-web.ts ./scripts/
COPY web ./web
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
