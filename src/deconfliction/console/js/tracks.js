// Live tracks drawn on the GPU: a MapLibre custom layer that keeps every track's position in one
// vertex buffer (x, y in Web Mercator world units, and a style class) and draws them as points,
// once per world copy so that tracks near the 180th meridian show on both sides.
// An update of 10,000 tracks is one typed-array fill and one buffer upload.

import { MERCATOR_MAX_LAT } from './geo.js';

// style classes: 0 own, 1 another party's, 2 Nonconforming, 3 predicted loss of separation, 4 loss now
export const CLASS_NAMES = ['own', 'other', 'nonconforming', 'predicted loss of separation', 'loss of separation'];

const VERTEX = `#version 300 es
uniform mat4 u_matrix;
uniform float u_offset;
uniform float u_size;
in vec2 a_pos;
in float a_class;
out float v_class;
void main() {
  gl_Position = u_matrix * vec4(a_pos.x + u_offset, a_pos.y, 0.0, 1.0);
  gl_PointSize = a_class > 1.5 ? u_size * 1.8 : u_size;
  v_class = a_class;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in float v_class;
out vec4 color;
void main() {
  vec2 c = gl_PointCoord - vec2(0.5);
  float r = length(c);
  if (r > 0.5) discard;
  vec3 fill = v_class < 0.5 ? vec3(0.12, 0.47, 0.95)
            : v_class < 1.5 ? vec3(0.55, 0.55, 0.60)
            : v_class < 2.5 ? vec3(1.0, 0.60, 0.0)
            : v_class < 3.5 ? vec3(1.0, 0.85, 0.1)
            : vec3(0.95, 0.1, 0.1);
  float ring = smoothstep(0.36, 0.44, r);
  color = vec4(mix(fill, vec3(0.05), ring * 0.8), 1.0);
}`;

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
  return shader;
}

export class TracksLayer {
  constructor(id = 'tracks') {
    this.id = id;
    this.type = 'custom';
    this.renderingMode = '2d';
    this.count = 0;
    this.capacity = 0;
    this.vertices = new Float32Array(0);
    this.dirty = false;
    this.frames = 0;
    this.waiting = []; // called once each after the next frame that draws fresh data
  }

  onAdd(map, gl) {
    this.map = map;
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program));
    this.program = program;
    this.aPos = gl.getAttribLocation(program, 'a_pos');
    this.aClass = gl.getAttribLocation(program, 'a_class');
    this.uMatrix = gl.getUniformLocation(program, 'u_matrix');
    this.uOffset = gl.getUniformLocation(program, 'u_offset');
    this.uSize = gl.getUniformLocation(program, 'u_size');
    this.buffer = gl.createBuffer();
    this.vao = gl.createVertexArray();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.enableVertexAttribArray(this.aPos);
    gl.vertexAttribPointer(this.aPos, 2, gl.FLOAT, false, 12, 0);
    gl.enableVertexAttribArray(this.aClass);
    gl.vertexAttribPointer(this.aClass, 1, gl.FLOAT, false, 12, 8);
    gl.bindVertexArray(null);
    this.gl = gl;
  }

  onRemove(_map, gl) {
    gl.deleteBuffer(this.buffer);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.program);
  }

  /** Replace every track: `lng`, `lat` arrays of degrees and `cls` an array of style classes. */
  setTracks(lng, lat, cls) {
    const n = lat.length;
    if (n * 3 > this.vertices.length) this.vertices = new Float32Array(Math.ceil(n * 1.25) * 3 + 3);
    const v = this.vertices;
    const k = Math.PI / 360;
    for (let i = 0; i < n; i++) {
      let y = lat[i];
      if (y > MERCATOR_MAX_LAT) y = MERCATOR_MAX_LAT; else if (y < -MERCATOR_MAX_LAT) y = -MERCATOR_MAX_LAT;
      v[3 * i] = (180 + lng[i]) / 360;
      v[3 * i + 1] = 0.5 - Math.log(Math.tan(Math.PI / 4 + y * k)) / (2 * Math.PI);
      v[3 * i + 2] = cls[i];
    }
    this.count = n;
    this.dirty = true;
    if (this.map) this.map.triggerRepaint();
  }

  /** Call `done(gl)` after the next frame that draws data given by setTracks. */
  whenRendered(done) { this.waiting.push(done); }

  render(gl, options) {
    if (this.dirty) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      if (this.count * 3 > this.capacity) {
        this.capacity = this.vertices.length;
        gl.bufferData(gl.ARRAY_BUFFER, this.vertices, gl.DYNAMIC_DRAW);
      } else {
        gl.bufferSubData(gl.ARRAY_BUFFER, 0, this.vertices, 0, this.count * 3);
      }
      this.dirty = false;
      this.fresh = true;
    }
    if (this.count > 0) {
      gl.useProgram(this.program);
      gl.bindVertexArray(this.vao);
      gl.uniformMatrix4fv(this.uMatrix, false, options.modelViewProjectionMatrix);
      gl.uniform1f(this.uSize, 7.0 * (window.devicePixelRatio || 1));
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      for (const offset of [-1, 0, 1]) {
        gl.uniform1f(this.uOffset, offset);
        gl.drawArrays(gl.POINTS, 0, this.count);
      }
      gl.bindVertexArray(null);
    }
    this.frames += 1;
    if (this.fresh) {
      this.fresh = false;
      const waiting = this.waiting;
      this.waiting = [];
      for (const done of waiting) done(gl);
    }
  }
}
